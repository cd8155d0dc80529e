import { analyzeWorkspace } from '../src/core/workspace';
const t = Date.now();
for (let i = 0; i < 3; i++) analyzeWorkspace('/work/main/bench-corpus');
console.log(Date.now() - t);
