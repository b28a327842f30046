import { Public } from '@lattice/core';
import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { buildEventsClient } from './client/bundle';

/** The path the browser script of channels is served under (`<path>/events.<hash>.js`). */
export const EVENTS_ASSETS_PATH = '/lattice/events';

/**
 * Serves the browser script of channels under its content hash, cacheable for a year; public,
 * since every visitor's page needs it.
 */
@Public()
@Controller(EVENTS_ASSETS_PATH.slice(1))
export class EventsAssetsController {
  @Get(':file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  async script(@Param('file') file: string): Promise<string> {
    const bundle = await buildEventsClient();
    if (file !== bundle.fileName)
      throw new NotFoundException(`No events script named ${file}; it is ${bundle.fileName}.`);
    return bundle.code;
  }
}

/** The `<script>` tag of the browser script of channels, to put after live's runtime tag. */
export async function eventsClientScriptTag(): Promise<string> {
  const { fileName } = await buildEventsClient();
  return `<script defer src="${EVENTS_ASSETS_PATH}/${fileName}"></script>`;
}
