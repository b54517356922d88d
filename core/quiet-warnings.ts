/**
 * Every entry point imports this module first. Under Node < 22 the AWS SDK prints an eight-line
 * `NodeVersionSupportWarning` (its future releases will need Node 22) each time a process makes its S3
 * client. Node 20 stays supported here and the images run the current LTS, so that notice says nothing
 * about a person's work: it is dropped. Every other warning prints as before.
 */

const emitWarning = process.emitWarning.bind(process);

function isNodeVersionSupportWarning(warning: unknown): boolean {
  const text = warning instanceof Error ? warning.message : warning;
  return typeof text === 'string' && text.startsWith('NodeVersionSupportWarning');
}

process.emitWarning = (warning: string | Error, ...rest: unknown[]): void => {
  if (isNodeVersionSupportWarning(warning)) return;
  Reflect.apply(emitWarning, process, [warning, ...rest]);
};
