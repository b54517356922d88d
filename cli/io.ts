/** Where a CLI command writes: results on `out`, everything said to the person on `err`. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}
