import { Public } from '@lattice/core';
import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { buildLiveRuntime } from './client/bundle';

/** Serves the browser runtime under its content hash, cacheable for a year; every visitor needs it. */
@Public()
@Controller('lattice')
export class LiveAssetsController {
  @Get(':file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  async runtime(@Param('file') file: string): Promise<string> {
    const bundle = await buildLiveRuntime();
    if (file !== bundle.fileName)
      throw new NotFoundException(
        `No Lattice asset named ${file}; the runtime is ${bundle.fileName}.`,
      );
    return bundle.code;
  }
}
