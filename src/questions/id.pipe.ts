import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** The largest id an INT column holds (MySQL's and SQLite's ids here are 32-bit). */
const MAX_ID = 2_147_483_647;

/**
 * A row id from the path, strictly: a whole number from 1 up that the column can hold, written
 * plainly (no sign, no leading zero, no exponent). Anything else is a 400 naming the parameter,
 * where Nest's `ParseIntPipe` took `-1` or `1e3`-like spellings and named nothing.
 */
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    if (typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) && Number(value) <= MAX_ID)
      return Number(value);
    throw new BadRequestException(
      `Path parameter "${metadata.data ?? 'id'}" must be a whole number from 1 to ${MAX_ID} (got ${JSON.stringify(String(value).slice(0, 40))}).`,
    );
  }
}
