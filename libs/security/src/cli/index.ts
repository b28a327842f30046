// `@lattice/security/cli`: audit:verify and security:reencrypt, apart so that `@lattice/security` does not load the command line.
export { SecurityCommandsModule, AuditVerifyCommand, ReencryptCommand } from './security.commands';
