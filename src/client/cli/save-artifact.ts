import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileNameOf, type EvidenceClient, type Report } from '../client';

/** Where a downloaded artifact was saved, and what was saved. */
export interface SavedArtifact {
  id: string;
  path: string;
  bytes: number;
  sha256: string;
  content_type: string;
  /** The detached JWS saved beside a JSON artifact, which `evidence verify` reads from there. */
  signature_path: string | null;
}

interface ArtifactFacts {
  file_name?: string;
  sha256?: string;
  signature?: { jws?: string | null } | null;
}

/** The facts the report states about the artifact of `version` (the latest when undefined). */
function factsOf(report: Report, version: number | undefined): ArtifactFacts | undefined {
  if (version === undefined) return report.artifact ?? undefined;
  const entry = report.versions.find((v) => v.version === version) as { artifact?: ArtifactFacts } | undefined;
  return entry?.artifact;
}

/**
 * Downloads report `id`'s artifact into `dir` under the name the service gives it (`<id>.pdf`, `<id>.json`, or
 * `<id>-v2.pdf` for a later version), written whole to a temporary name first so that a failed download never
 * leaves a truncated file under the real one. The bytes are checked against the SHA-256 the report states; a
 * JSON artifact's detached signature is saved beside it as `<name>.jws`.
 */
export async function saveArtifact(
  client: Pick<EvidenceClient, 'downloadReport' | 'getReport'>,
  id: string,
  dir: string,
  options: { version?: number; report?: Report } = {},
): Promise<SavedArtifact> {
  const artifact = await client.downloadReport(id, { ...(options.version ? { version: options.version } : {}) });
  const report = options.report ?? (await client.getReport(id));
  const facts = factsOf(report, options.version);
  const bytes = Buffer.from(artifact.bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (facts?.sha256 && facts.sha256 !== sha256) {
    throw new Error(`the download of ${id} has SHA-256 ${sha256}, not the ${facts.sha256} the report states`);
  }
  const name =
    artifact.fileName ?? fileNameOf(`filename="${facts?.file_name ?? ''}"`) ?? `${report.id}.${report.format}`;
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, name);
  await writeWhole(target, bytes);
  const jws = artifact.signature ?? facts?.signature?.jws ?? undefined;
  let signaturePath: string | null = null;
  if (jws && report.format === 'json') {
    signaturePath = `${target}.jws`;
    await writeWhole(signaturePath, Buffer.from(`${jws}\n`, 'utf8'));
  }
  return {
    id: report.id,
    path: target,
    bytes: bytes.length,
    sha256,
    content_type: artifact.contentType,
    signature_path: signaturePath,
  };
}

/** Writes a file under a temporary name and renames it into place. */
async function writeWhole(target: string, bytes: Buffer): Promise<void> {
  const partial = `${target}.${process.pid}.part`;
  try {
    await fs.writeFile(partial, bytes);
    await fs.rename(partial, target);
  } catch (err) {
    await fs.rm(partial, { force: true });
    throw err;
  }
}
