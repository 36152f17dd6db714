export * from './host-cost-sampler';
export * from './host-cost-hook';
