import { Controller, Get, Header } from '@nestjs/common';
import { FORUM_VERSION } from '../forum.constants';

/** The landing page. Later issues turn it into the live forum. */
@Controller()
export class HomeController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  home(): string {
    return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Lattice Forum</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #1f2937; }
    h1 { margin-bottom: .25rem; } small { color: #6b7280; }
  </style>
</head>
<body>
  <h1>Lattice Forum</h1>
  <small>version ${FORUM_VERSION}</small>
  <p>A real-time community Q&amp;A forum, and the sample app of Lattice, a real-time full-stack framework on NestJS.
  Questions, answers and votes will appear here live as people post them.</p>
  <p>Service status: <a href="/health">/health</a></p>
</body>
</html>
`;
  }
}
