// `@lattice/security/cli`: audit:verify, security:reencrypt and sessions:end, apart so that `@lattice/security` does not load the command line.
export {
  SecurityCommandsModule,
  AuditVerifyCommand,
  ReencryptCommand,
  EndSessionsCommand,
} from './security.commands';
