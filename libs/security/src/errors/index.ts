export * from './authentication.error';
export * from './login-locked.error';
export * from './username-taken.error';
export * from './access-denied.error';
export * from './csrf-rejected.error';
