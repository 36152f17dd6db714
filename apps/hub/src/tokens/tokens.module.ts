import { Module } from '@nestjs/common';
import { TokensController } from './tokens.controller';
import { CredentialRepository } from './credential.repository';
import { TokensService } from './tokens.service';

@Module({ controllers: [TokensController], providers: [TokensService, CredentialRepository], exports: [TokensService] })
export class TokensModule {}
