import { Module } from '@nestjs/common';
import { ExclusionsModule } from '../exclusions/exclusions.module';
import { PolicyPushProcessor } from './policy-push.processor';
import { PolicyPushService } from './policy-push.service';
import { PolicyDeliveryService } from './policy-delivery.service';
import { ExclusionSetPushController, PolicyTargetsController } from './policy-targets.controller';
import { PolicyPushesController } from './policy-pushes.controller';
import { PushHistoryService } from './push-history.service';
import { GitPolicyPublisher } from './git-policy-publisher';
import { PolicyPushRepository } from './policy-push.repository';
import { PolicyTargetRepository } from './policy-target.repository';
import { ConsolePushService } from './connectors/console-push.service';
import { ConnectorHttp } from './connectors/connector-http';
import { PolicyPushRecoveryService } from './policy-push-recovery.service';
import { PolicyDriftCheckService } from './policy-drift-check.service';

/** Policy targets, webhook pushes (BullMQ, signed, retried), git commits, console connectors and ETag pulls of approved exclusions. */
@Module({
  imports: [ExclusionsModule],
  controllers: [PolicyTargetsController, ExclusionSetPushController, PolicyPushesController],
  providers: [
    PolicyPushService,
    PolicyDeliveryService,
    PolicyPushProcessor,
    PolicyPushRecoveryService,
    PolicyDriftCheckService,
    PushHistoryService,
    GitPolicyPublisher,
    PolicyTargetRepository,
    PolicyPushRepository,
    ConsolePushService,
    ConnectorHttp,
  ],
})
export class PolicyPushModule {}
