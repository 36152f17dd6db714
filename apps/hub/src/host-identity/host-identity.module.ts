import { Module } from '@nestjs/common';
import { HostIdentityController } from './host-identity.controller';
import { HostIdentityRepository } from './host-identity.repository';
import { HostIdentityService } from './host-identity.service';

@Module({
  controllers: [HostIdentityController],
  providers: [HostIdentityRepository, HostIdentityService],
  exports: [HostIdentityService],
})
export class HostIdentityModule {}
