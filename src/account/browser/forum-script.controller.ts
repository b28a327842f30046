import { Public } from '@lattice/core';
import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { FORUM_ASSETS_PATH, ForumScript } from './forum-script';

/** Serves the Forum's browser script under its content hash, cacheable for a year. */
@Public()
@Controller(FORUM_ASSETS_PATH.slice(1))
export class ForumScriptController {
  constructor(private readonly script: ForumScript) {}

  @Get(':file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  async serve(@Param('file') file: string): Promise<string> {
    const { code, fileName } = await this.script.bundle();
    if (file !== fileName)
      throw new NotFoundException(`No Forum script named ${file}; it is ${fileName}.`);
    return code;
  }
}
