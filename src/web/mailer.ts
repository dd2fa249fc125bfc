/**
 * Sign-in emails, through SMTP (`SMTP_URL`, nodemailer). Without SMTP_URL there is no email sign-in:
 * the page says so instead of pretending a link was sent.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';

export class MailNotConfiguredError extends Error {
  override name = 'MailNotConfiguredError';
  constructor() {
    super('email sign-in needs SMTP_URL on the server (an SMTP server to send the sign-in link through)');
  }
}

export interface SignInMail {
  to: string;
  link: string;
  minutes: number;
}

export async function sendSignInMail(config: Config, mail: SignInMail): Promise<void> {
  if (config.smtpUrl === undefined) throw new MailNotConfiguredError();
  const transport = nodemailer.createTransport(config.smtpUrl);
  try {
    await transport.sendMail({
      from: config.mailFrom,
      to: mail.to,
      subject: 'Your Kinetic sign-in link',
      text: `Open this link to sign in to Kinetic:\n\n${mail.link}\n\nIt works once, for ${mail.minutes} minutes. If you did not ask for it, ignore this email.\n`,
      html: `<p>Open this link to sign in to Kinetic:</p><p><a href="${mail.link.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">Sign in to Kinetic</a></p><p>It works once, for ${mail.minutes} minutes. If you did not ask for it, ignore this email.</p>`,
    });
  } finally {
    transport.close();
  }
}
