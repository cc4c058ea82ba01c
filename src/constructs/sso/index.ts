export * from './sso-resolve';
