import { PiiRedactor, luhn, partialPlaceholderLength } from './pii-redactor';

const redact = (text: string) => new PiiRedactor().redact(text);

describe('PiiRedactor', () => {
  it.each([
    ['Mail me at ana.lopez+ai@example.co.uk today', 'Mail me at [email 1] today'],
    ['Call +44 20 7946 0958 or +1 (555) 123-4567', 'Call [phone 1] or [phone 2]'],
    ['Mobile: +33 6 12 34 56 78.', 'Mobile: [phone 1].'],
    ['Ruf an: 0049 30 1234567', 'Ruf an: [phone 1]'],
    ['compact +4915112345678 works', 'compact [phone 1] works'],
    ['tel:+14155552671 or Phone:555-123-4567', 'tel:[phone 1] or Phone:[phone 2]'],
    ['mailto:ana@example.com', 'mailto:[email 1]'],
    ['US (555) 123-4567, 555-123-4567 and 555.123.4567', 'US [phone 1], [phone 1] and [phone 1]'],
    ['UK 020 7946 0958, FR 06 12 34 56 78', 'UK [phone 1], FR [phone 2]'],
    ['Visa 4111 1111 1111 1111 and 5500-0000-0000-0004', 'Visa [card 1] and [card 2]'],
    ['pay with 4242424242424242 now', 'pay with [card 1] now'],
    ['IBAN GB82 WEST 1234 5698 7654 32 or DE89370400440532013000', 'IBAN [iban 1] or [iban 2]'],
  ])('masks %j', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    'Upgrade from 1.2.3 to v10.15.7, or Node 24.11.1',
    'Released on 2024-01-15, due 15/01/2024, or 15.01.2024 at 10:30',
    'Timestamp 2024-01-15 10:30:45 and 2024-01-15T10:30:45Z',
    'Server 192.168.100.200 on port 8080',
    'See https://example.com/orders/1234567890?page=0123456789 and /v2/555-123-4567',
    'Order 1234567890 shipped; invoice 20240115001',
    'It costs 1,234,567.89 USD, about 12 345 EUR',
    'A 7-digit local number 555-1234 is too ambiguous to mask',
    'ISBN 978-3-16-148410-0',
    'The card-like 4111 1111 1111 1112 fails Luhn',
    'The years 1990-2000 and 2010-2020',
    'Not an address: user@localhost, @handle, a@b',
    'GB82 WEST 1234 5698 7654 33 is a bad IBAN',
  ])('leaves %j alone', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('gives one value one placeholder across texts and restores them', () => {
    const redactor = new PiiRedactor();
    const first = redactor.redact('From ANA@example.com to bo@example.com');
    const second = redactor.redact('Reply to ana@example.com, card 4111-1111-1111-1111');
    expect(first).toBe('From [email 1] to [email 2]');
    expect(second).toBe('Reply to [email 1], card [card 1]');
    expect(redactor.found).toEqual({ email: 2, phone: 0, card: 1, iban: 0 });
    expect(redactor.restore('Write to [email 2] and [email 1]; [email 9] is unknown')).toBe(
      'Write to bo@example.com and ANA@example.com; [email 9] is unknown',
    );
  });

  it('masks only the kinds asked for', () => {
    const redactor = new PiiRedactor(['card']);
    expect(redactor.redact('a@b.io 4111 1111 1111 1111 +44 20 7946 0958')).toBe(
      'a@b.io [card 1] +44 20 7946 0958',
    );
  });

  it('checks Luhn and finds placeholders cut by a chunk boundary', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(partialPlaceholderLength('write to [ema')).toBe(4);
    expect(partialPlaceholderLength('write to [email 1')).toBe(8);
    expect(partialPlaceholderLength('write to [email 1]')).toBe(0);
    expect(partialPlaceholderLength('nothing here')).toBe(0);
  });
});
