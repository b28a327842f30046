import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { StateMessages } from '../state.messages';
import { StateManager } from '../state-manager';
import { StateDevtoolsGuard } from './state-devtools.guard';

const whole = (streamId: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number))
    throw StateMessages.versionInvalid(streamId, value);
  return number;
};

/**
 * StateModule's `devtools` (off in production unless enabled): a stream's state at any version
 * and its history, as JSON. `GET /lattice/state/counter:home?version=3&from=1&to=10`. Admins
 * only in every environment (`StateDevtoolsGuard`), unless `devtools: 'open'`.
 */
@UseGuards(StateDevtoolsGuard)
@Controller('lattice/state')
export class StateDevtoolsController {
  constructor(private readonly state: StateManager) {}

  @Get(':streamId')
  async inspect(
    @Param('streamId') streamId: string,
    @Query('version') version?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ) {
    const at = whole(streamId, version);
    const current = await this.state.get(streamId);
    const shown = at === undefined ? current : await this.state.stateAt(streamId, at);
    const range = {
      from: whole(streamId, from) ?? Math.max(1, shown.version - 49),
      to: whole(streamId, to) ?? shown.version,
    };
    return {
      streamId,
      latestVersion: current.version,
      version: shown.version,
      state: shown.state,
      history: await this.state.history(streamId, { ...range, limit: 1000 }),
    };
  }
}
