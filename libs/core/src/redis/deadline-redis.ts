import Redis, { type Command, type RedisOptions } from 'ioredis';
import { ServiceUnavailableError } from '../errors/service-unavailable.error';

/**
 * An ioredis client that never lets a caller wait on a Redis that is gone:
 * - a command that times out (`commandTimeout`), or that is given while the connection is down,
 *   rejects with a `ServiceUnavailableError` naming Redis;
 * - after a timeout the socket is dropped and reopened: in a silent partition the old socket
 *   would never answer again, and ioredis would not notice;
 * - a connection that opens but does not become ready in time (the handshake unanswered) is
 *   dropped and retried, which `connectTimeout` alone does not cover;
 * - while it is down (`failFast`), commands fail at once instead of waiting in the offline queue.
 */
export class DeadlineRedis extends Redis {
  /** Reject commands at once while disconnected (not for blocking connections, whose commands wait). */
  failFast = true;
  readyTimeoutMs = 1000;
  /** Called when the connection is found unreachable (the owner logs it once). */
  onUnreachable?: (reason: string, silent: boolean) => void;
  private readyTimer: NodeJS.Timeout | undefined;
  private wasReady = false;

  constructor(url: string, options: RedisOptions) {
    super(url, options);
    this.on('connect', () => {
      clearTimeout(this.readyTimer);
      this.readyTimer = setTimeout(() => {
        if (this.status !== 'connect') return;
        const reason = `not ready within ${this.readyTimeoutMs} ms`;
        this.unreachable(reason, true);
        this.drop(reason); // close → reconnect with the retry strategy
      }, this.readyTimeoutMs);
      this.readyTimer.unref();
    });
    this.on('ready', () => {
      clearTimeout(this.readyTimer);
      this.wasReady = true;
      this.options.enableOfflineQueue = true;
    });
    this.on('error', (error: Error) => this.unreachable(error.message || String(error)));
    this.on('close', () => {
      clearTimeout(this.readyTimer);
      if (this.wasReady && this.status !== 'end') this.unreachable('connection lost');
      this.wasReady = false;
    });
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const reject = command.reject;
    if (reject) command.reject = (error: Error) => reject.call(command, this.explain(error));
    return super.sendCommand(command, stream);
  }

  private explain(error: Error): Error {
    if (error.message === 'Command timed out') {
      const reason = `no answer within ${this.options.commandTimeout} ms`;
      this.unreachable(reason, true);
      this.drop(reason);
      return new ServiceUnavailableError('Redis', reason, 1, { cause: error });
    }
    if (/^Stream isn't writeable|^Reached the max retries per request limit/.test(error.message))
      return new ServiceUnavailableError('Redis', 'not connected', 1, { cause: error });
    return error;
  }

  /**
   * Drops the socket (it reconnects with the retry strategy). A fail-fast connection also rejects
   * the commands still waiting for an answer on it: on a silent socket none will come.
   */
  drop(reason: string): void {
    if (this.failFast) {
      this.options.enableOfflineQueue = false;
      (this as unknown as { flushQueue(error: Error): void }).flushQueue(
        new ServiceUnavailableError('Redis', reason),
      );
    }
    this.stream?.destroy();
  }

  private unreachable(reason: string, silent = false): void {
    if (this.failFast) this.options.enableOfflineQueue = false;
    this.onUnreachable?.(reason, silent);
  }
}
