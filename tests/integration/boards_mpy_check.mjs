// Loads MicroPython (the WebAssembly port from npm) in Node, compiles the
// 掌控板 script with it, then runs it against the stand-ins through
// boards_standins/mpy_check.py (or the check module named by CHECK).
//   node boards_mpy_check.mjs MICROPYTHON_MJS SCRIPT STANDINS_DIR [CHECK]
// Exit status 0 when MicroPython compiled and ran the script and every check held.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [mjs, script, standins, check = "mpy_check"] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const out = [];
const mp = await loadMicroPython({
  heapsize: 4 * 1024 * 1024,
  stdout: (line) => out.push(line),
  stderr: (line) => out.push(line),
});
const files = {
  "mpython.py": "mpython.py",
  "network.py": "network.py",
  "machine.py": "machine.py",
  "socket.py": "mpy_socket.py",
  [check + ".py"]: check + ".py",
};
mp.FS.mkdir("/lib");
for (const [name, src] of Object.entries(files)) {
  mp.FS.writeFile("/lib/" + name, readFileSync(join(standins, src)));
}
const source = readFileSync(script, "utf8");
mp.FS.writeFile("/lib/board_main.py", source);
mp.globals.set("board_source", source);

let status = 0;
try {
  mp.runPython(`
import sys
print("micropython", sys.implementation.version)
compile(board_source, "main.py", "exec")
print("COMPILED ok")
import ${check}
${check}.run()
`);
} catch (e) {
  out.push("EXCEPTION " + String(e.message || e));
  status = 1;
}
const text = out.join("\n");
console.log(text);
if (!/^COMPILED ok$/m.test(text) || !/^RESULT ok$/m.test(text)) status = 1;
process.exit(status);
