import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
  normalizeIp,
} from '@nestjs/throttler';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { ApiTokenRepository } from './api-token.repository';

/** The window the per-second limits count in. */
export const REST_RATE_WINDOW_MS = 1000;

/**
 * Per-token REST rate limit on top of @nestjs/throttler. A valid (unrevoked)
 * token is counted by its id across all routes together, so one script cannot
 * starve the dashboard by spreading over endpoints; everything else (no token,
 * a guessed or revoked one) is counted per client IP with its own, lower
 * limit, which also slows token guessing. Runs as a global guard, before the
 * route's ApiTokenGuard; both share one token look-up per request.
 */
@Injectable()
export class RestRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly tokens: ApiTokenRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const req = props.context.switchToHttp().getRequest<{ headers: Record<string, unknown>; ip?: string; socket?: { remoteAddress?: string } }>();
    const token = await this.tokens.lookUp(req).catch(() => null);
    const valid = token !== null && token.revokedAt === null;
    // IPv6 clients are counted per /64: one host can hold a whole subnet of addresses.
    const ip = req.ip ?? req.socket?.remoteAddress;
    const tracker = valid ? `token:${token.id}` : `ip:${ip ? normalizeIp(ip, DEFAULT_IPV6_SUBNET_PREFIX) : 'unknown'}`;
    return super.handleRequest({
      ...props,
      limit: valid ? this.config.FLEETTUNE_API_REQUESTS_PER_SECOND : this.config.FLEETTUNE_API_ANONYMOUS_REQUESTS_PER_SECOND,
      getTracker: () => tracker,
      // One bucket per tracker for the whole API, not one per route.
      generateKey: (_ctx, key, name) => `${name}:${key}`,
    });
  }
}
