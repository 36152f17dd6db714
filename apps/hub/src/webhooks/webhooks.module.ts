import { Global, Module } from '@nestjs/common';
import { SignedWebhookSender } from './signed-webhook-sender';

/** The signed-webhook sender, shared by alerts, policy push and the connectors to come. */
@Global()
@Module({ providers: [SignedWebhookSender], exports: [SignedWebhookSender] })
export class WebhooksModule {}
