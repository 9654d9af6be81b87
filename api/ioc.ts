/** tsoa's iocModule: resolves controllers from the Container stored on the Express app. */
import type { IocContainer, IocContainerFactory } from '@tsoa/runtime';
import type { Request } from 'express';
import type { Container } from './container.js';

export const iocContainer: IocContainerFactory = (request: unknown): IocContainer => {
  const container = (request as Request).app.locals.container as Container;
  return { get: <T>(controller: unknown): T => container.get<T>(controller as never) };
};
