import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';

export const API_TOKEN = Symbol('API_TOKEN');

/** The token every /api request must present; `token` unset only on a trusted single-user machine. */
export interface ApiTokenSetting {
  readonly token?: string;
}

/**
 * The dashboard's side of the cluster's bearer-token scheme: `Authorization: Bearer <token>`,
 * or `?token=<token>` for the browser's EventSource, which cannot set headers.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(API_TOKEN) setting: ApiTokenSetting) {
    this.expected = setting.token ? Buffer.from(setting.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const presented = presentedToken(context.switchToHttp().getRequest<IncomingMessage>());
    if (presented === undefined) throw new UnauthorizedException("missing token: send 'Authorization: Bearer <token>' (the cluster's VELA_TOKEN)");
    const given = Buffer.from(presented);
    if (given.length !== this.expected.length || !timingSafeEqual(given, this.expected)) throw new UnauthorizedException('wrong token: use the cluster\'s VELA_TOKEN');
    return true;
  }
}

function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const query = new URL(request.url ?? '/', 'http://dashboard').searchParams.get('token');
  return query ?? undefined;
}
