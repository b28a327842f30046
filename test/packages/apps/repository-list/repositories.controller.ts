import { Controller, Get, Header, type OnApplicationBootstrap } from '@nestjs/common';
import { RepositoryRepository } from './repository.entity.js';

/** (c) A repository list on SQLite: seeded at start, listed as an HTML page. */
@Controller()
export class RepositoriesController implements OnApplicationBootstrap {
  constructor(private readonly repositories: RepositoryRepository) {}

  async onApplicationBootstrap() {
    for (const name of ['lattice', 'nest', 'typeorm']) await this.repositories.create({ name });
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async list() {
    const items = await this.repositories.repository.find({ order: { name: 'ASC' } });
    return `<h1>Repositories</h1><ul>${items.map((r) => `<li>${r.name}</li>`).join('')}</ul>`;
  }
}
