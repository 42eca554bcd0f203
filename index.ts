// The package root: the overlord API for programs, and the pieces a program embedding func-ts may need
// (the certmaster and minion as libraries, the transport seam, the error classes).
export * from './overlord/index.js';
export { startMinion } from './minion/daemon.js';
export { startCertmaster } from './certmaster/daemon.js';
export { requestCertificate } from './certmaster/request.js';
export { getTransport, registerTransport, transportNames } from './transport/registry.js';
export type * from './transport/types.js';
export * from './common/errors.js';
