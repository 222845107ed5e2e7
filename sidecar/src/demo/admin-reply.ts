/** What an emulator admin route answers (admin.ts, lambda-admin.ts). */
export interface AdminReply {
  readonly status: number;
  readonly body: unknown;
}
