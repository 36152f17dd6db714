export * from './exclusion-item';
export * from './fleet-activity-row';
export * from './recommendation-config';
export * from './exclusion-safety-policy';
export * from './user-scope-classifier';
export * from './exclusion-risk';
export * from './per-host-name-scrubber';
export * from './recommend-exclusions';
