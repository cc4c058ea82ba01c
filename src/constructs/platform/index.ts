/** The whole platform in one construct, and the operators it installs. */
export * from './platform';
export * from './operators';
