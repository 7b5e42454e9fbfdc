import { z } from 'zod'

/** An address as schedules, owners and escalation steps take it; in a file of its own so both can import it. */
export const emailAddress = z
  .string()
  .trim()
  .max(254, { message: 'email address must be at most 254 characters' })
  .regex(/^[^\r\n]*$/, { message: 'email address must not contain line breaks' })
  .pipe(z.email({ message: 'must be a valid email address' }))
