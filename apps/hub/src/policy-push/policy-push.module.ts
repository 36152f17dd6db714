import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { ExclusionsModule } from '../exclusions/exclusions.module';
import { PolicyPushProcessor } from './policy-push.processor';
import { PolicyPushService } from './policy-push.service';
import { POLICY_PUSH_QUEUE } from './policy-push.settings';
import { ExclusionSetPushController, PolicyTargetsController } from './policy-targets.controller';
import { PolicyPushesController } from './policy-pushes.controller';
import { PushHistoryService } from './push-history.service';

/** Policy targets, webhook pushes (BullMQ, signed, retried) and ETag pulls of approved exclusions. */
@Module({
  imports: [ExclusionsModule, BullModule.registerQueue({ name: POLICY_PUSH_QUEUE })],
  controllers: [PolicyTargetsController, ExclusionSetPushController, PolicyPushesController],
  providers: [PolicyPushService, PolicyPushProcessor, PushHistoryService],
})
export class PolicyPushModule {}
