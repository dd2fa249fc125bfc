export declare const CRASH_MARKER: string;
export declare const HANG_MARKER: string;
export declare const EXIT_MARKER: string;
export declare const SLOW_MARKER: string;
export declare function misbehave(bytes: Uint8Array): void;
