import { chromiumComplaint, chromiumSandboxFor } from '../../../src/infra/render/chromium-pdf-renderer';

describe("Chromium's sandbox", () => {
  it('when it is left to auto, then it is on for any user but root, whom Chromium refuses it', () => {
    expect(chromiumSandboxFor('auto', 1000)).toBe(true);
    expect(chromiumSandboxFor('auto', 0)).toBe(false);
    expect(chromiumSandboxFor('auto', undefined)).toBe(false);
  });

  it('when it is set on or off, then that holds whoever runs it', () => {
    expect(chromiumSandboxFor('on', 0)).toBe(true);
    expect(chromiumSandboxFor('off', 1000)).toBe(false);
  });
});

describe('what Chromium says when it cannot start', () => {
  /** Playwright's message for a failed launch, as it came on Debian 12's chromium 156: its own lines, then the
   * browser's log, dimmed for a terminal. */
  const launchFailure = (log: string[]) =>
    new Error(
      [
        'browserType.launch: Target page, context or browser has been closed',
        'Browser logs:',
        'Chromium sandboxing failed!',
        'Call log:',
        '\u001b[2m  - <launching> /usr/bin/chromium --headless --remote-debugging-pipe\u001b[22m',
        ...log.map((l) => `\u001b[2m  - [pid=17400][err] ${l}\u001b[22m`),
      ].join('\n'),
    );

  it('when the sandbox is refused by the kernel, then its line is the reason, not the crash handler before it', () => {
    const err = launchFailure([
      '/usr/bin/chromium: 9: [: 25276182528: unexpected operator',
      '[17400:17400:1207/172955.062871:ERROR:third_party/crashpad/crashpad/util/file/filesystem_posix.cc:63] mkdir : No such file or directory (2)',
      '[17400:17400:1207/172955.064897:ERROR:content/browser/zygote_host/zygote_host_impl_linux.cc:130] No usable sandbox! If this is a Debian system, please install the chromium-sandbox package to solve this problem.',
    ]);
    expect(chromiumComplaint(err)).toBe(
      'No usable sandbox! If this is a Debian system, please install the chromium-sandbox package to solve this problem.',
    );
  });

  it('when it runs as root with the sandbox, then that is the reason; without an error line, there is none', () => {
    const err = launchFailure([
      '[16796:16796:1207/172914.496328:ERROR:content/browser/zygote_host/zygote_host_impl_linux.cc:103] Running as root without --no-sandbox is not supported. See https://crbug.com/638180.',
    ]);
    expect(chromiumComplaint(err)).toBe(
      'Running as root without --no-sandbox is not supported. See https://crbug.com/638180.',
    );
    expect(chromiumComplaint(new Error('spawn /usr/bin/chromium ENOENT'))).toBeUndefined();
  });
});
