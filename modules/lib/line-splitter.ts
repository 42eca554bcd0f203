// Cutting a byte stream into lines as it arrives (UTF-8, invalid bytes as U+FFFD, "\r\n" as "\n"), for the
// modules that report a program's output line by line while it runs (command.run, mock.build).
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** `maxLineChars`: longer lines are handed over in pieces of that many characters (default: whole). */
  constructor(private readonly emit: (line: string) => void, private readonly maxLineChars = Infinity) {}

  add(chunk: Buffer): void {
    const parts = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.piece(line.endsWith('\r') ? line.slice(0, -1) : line);
    while (this.partial.length > this.maxLineChars) {
      this.emit(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
  }

  /** Hands over the unterminated rest, if any. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.piece(rest);
  }

  private piece(line: string): void {
    for (let i = 0; i === 0 || i < line.length; i += this.maxLineChars) this.emit(line.slice(i, i + this.maxLineChars));
  }
}
