import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { QueryContext } from './query-context';

/**
 * Makes each request (HTTP, WebSocket message, RPC) one unit of work for query counting and
 * N+1 detection. Registered globally by DatabaseModule (cheap: one AsyncLocalStorage scope per request).
 */
@Injectable()
export class QueryContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const label = `${context.getClass().name}.${context.getHandler().name}`;
    return new Observable((subscriber) =>
      QueryContext.run(label, () => next.handle().subscribe(subscriber)),
    );
  }
}
