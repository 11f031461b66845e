import type { RegistryBackend } from '../registry/backend.js';
import type { RollbackImage } from './journal-image.js';

/**
 * The backend a rollback writes through: when the journal holds the target's image from before
 * the apply (readJournalImage, checked) and the target is still exactly what the apply left, the
 * write batch puts that image back whole (exact bytes); otherwise it writes the rollback's ops value by value.
 */
export function withImageRestore(backend: RegistryBackend, image: RollbackImage | undefined): RegistryBackend {
  const restore = backend.restoreImage?.bind(backend);
  if (!image || image.afterSha256 === undefined || !restore) return backend;
  const after = image.afterSha256;
  return {
    target: backend.target,
    read: (requests) => backend.read(requests),
    write: async (ops) => ((await restore(image.before, after)) ? ops.map(() => ({ ok: true as const })) : backend.write(ops)),
    stats: () => backend.stats(),
    close: () => backend.close(),
    ...(backend.captureImage ? { captureImage: () => (backend.captureImage as NonNullable<RegistryBackend['captureImage']>).call(backend), restoreImage: restore } : {}),
    ...(backend.imageSha256 ? { imageSha256: () => (backend.imageSha256 as NonNullable<RegistryBackend['imageSha256']>).call(backend) } : {}),
  };
}
