/**
 * Sending email through SMTP (`SMTP_URL`, nodemailer): the one place that talks to a mail server.
 * A send either returns what the server accepted or throws `MailSendError`, which says whether the
 * server refused for good (5xx: `permanent`) or for now (4xx, a lost connection, a timeout).
 */
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Config } from '../config.ts';
import { redactUrl } from '../util/redact.ts';

export interface OutgoingAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** Content-ID: the HTML shows the attachment with `<img src="cid:…">`. */
  cid: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: OutgoingAttachment[];
  /** Extra headers (List-Unsubscribe, …). */
  headers: Record<string, string>;
  /** A fixed Message-ID, so a message sent twice after a crash can be recognised as one. */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** The server's last reply, e.g. `250 2.0.0 Ok: queued as …`. */
  response: string;
}

/** What sends email: SMTP in production, anything with this shape in a test. */
export interface Mailer {
  /** From address of every message. */
  readonly from: string;
  /** Base URL of the web pages, for links in emails; undefined when not configured. */
  readonly publicUrl: string | undefined;
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** A send that failed: `permanent` when the server refused with a 5xx reply (bounce), else temporary. */
export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The SMTP reply code, when the server answered. */
    readonly responseCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

export function toMailSendError(err: unknown): MailSendError {
  if (err instanceof MailSendError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as NodemailerError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const reply = e.response === undefined ? e.message : e.response;
  const what = code === undefined ? `${e.code ?? 'error'}: ${e.message}` : `${e.command === undefined ? '' : `${e.command} → `}${reply}`;
  return new MailSendError(`SMTP send failed: ${what}`, code !== undefined && code >= 500, code, { cause: err });
}

function smtpTransport(options: SMTPTransport.Options) {
  return nodemailer.createTransport(options);
}

export class SmtpMailer implements Mailer {
  private readonly transport: ReturnType<typeof smtpTransport>;

  constructor(
    smtpUrl: string,
    readonly from: string,
    readonly publicUrl: string | undefined,
    opts: { timeoutMs?: number } = {},
  ) {
    const timeout = opts.timeoutMs ?? 30_000;
    const transportOptions: SMTPTransport.Options = {
      url: smtpUrl,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
    };
    this.transport = smtpTransport(transportOptions);
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const message: Mail.Options = {
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: mail.headers,
      ...(mail.messageId !== undefined && { messageId: mail.messageId }),
      attachments: mail.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType, cid: a.cid, contentDisposition: 'inline' as const })),
    };
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transport.sendMail(message);
    } catch (err) {
      throw toMailSendError(err);
    }
    // One recipient: accepted, or the whole send failed above. Belt and braces for servers that
    // accept the transaction but list the recipient as rejected.
    if (info.rejected.length > 0) throw new MailSendError(`SMTP server rejected ${info.rejected.map(String).join(', ')}: ${info.response}`, true, undefined);
    return { messageId: info.messageId, response: info.response };
  }

  close(): void {
    this.transport.close();
  }
}

/** The SMTP mailer of this configuration; undefined when `SMTP_URL` is not set (no email). */
export function mailerFromConfig(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl'>): Mailer | undefined {
  if (config.smtpUrl === undefined) return undefined;
  const url = new URL(config.smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new RangeError(`SMTP_URL must start with smtp:// or smtps:// (got ${redactUrl(config.smtpUrl)})`);
  }
  return new SmtpMailer(config.smtpUrl, config.mailFrom, config.publicUrl);
}
