// `node --import ./test/support/trace-modules.mjs …`: appends the URL of every module the process
// loads to the file named by MODULE_TRACE_FILE, so a test can tell which modules a start pulled in.
import { register } from 'node:module';

register('./trace-modules-hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_TRACE_FILE } });
