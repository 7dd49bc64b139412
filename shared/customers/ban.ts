import { randomInt } from 'node:crypto';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A billing account number: two upper-case letters, a dash, nine digits (e.g. AC-123456789). */
export function generateBan(random: (max: number) => number = randomInt): string {
  const letters = LETTERS[random(26)]! + LETTERS[random(26)]!;
  const digits = String(random(1_000_000_000)).padStart(9, '0');
  return `${letters}-${digits}`;
}
