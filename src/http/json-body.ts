import express, { type RequestHandler } from 'express';
import { AppError } from '../domain/errors';

/** Accepts a JSON body of at most `limitBytes`, refusing any other content type with 415. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (!req.is('application/json')) {
        throw new AppError('unsupported_media_type', 'Content-Type must be application/json');
      }
      next();
    },
    express.json({ limit: limitBytes, strict: false }),
  ];
}
