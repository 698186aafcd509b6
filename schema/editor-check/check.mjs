// Loads schema/bpm.schema.json in yaml-language-server, through the modeline release authors use,
// validates every given bpm.yml and prints one JSON line per file: {file, diagnostics:[...]}.
import { getLanguageService } from 'yaml-language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [schemaPath, ...files] = process.argv.slice(2);
const schemaUri = pathToFileURL(schemaPath).href;
const ls = getLanguageService({
  schemaRequestService: async (uri) => readFileSync(fileURLToPath(uri), 'utf8'),
  workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).href },
});
ls.configure({ validate: true, completion: true, hover: true, yamlVersion: '1.1' });
for (const f of files) {
  const text = `# yaml-language-server: $schema=${schemaUri}\n` + readFileSync(f, 'utf8');
  const doc = TextDocument.create(pathToFileURL(f).href, 'yaml', 1, text);
  const diags = await ls.doValidation(doc, false);
  console.log(JSON.stringify({ file: f, diagnostics: diags.map(d => ({ line: d.range.start.line, message: d.message, severity: d.severity })) }));
}
