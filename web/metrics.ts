import type { ServerResponse } from 'node:http';

/** The few numbers /metrics exposes, in Prometheus' text format (no client library needed for these). */
export class WebMetrics {
  private viewers = 0;
  private readonly requests = new Map<string, number>();
  /** Event streams, which count their own request once, however they end (viewers mostly just leave). */
  private readonly streams = new WeakSet<ServerResponse>();

  viewerJoined(stream: ServerResponse): void {
    this.streams.add(stream);
    this.viewers++;
  }

  viewerLeft(): void {
    this.viewers--;
  }

  /** An event stream's response: left to the stream, which counts its request when it ends. */
  countsItself(response: ServerResponse): boolean {
    return this.streams.has(response);
  }

  get sseViewers(): number {
    return this.viewers;
  }

  request(method: string, route: string, status: number): void {
    const key = `method="${method}",route="${route.replace(/["\\\n]/g, '_')}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(): string {
    const memory = process.memoryUsage();
    const lines = [
      '# HELP whisper_notes_sse_viewers Open status-page event streams.',
      '# TYPE whisper_notes_sse_viewers gauge',
      `whisper_notes_sse_viewers ${this.viewers}`,
      '# HELP whisper_notes_http_requests_total HTTP requests answered, by route pattern and status.',
      '# TYPE whisper_notes_http_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `whisper_notes_http_requests_total{${labels}} ${n}`),
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# HELP nodejs_heap_used_bytes V8 heap in use, in bytes.',
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
