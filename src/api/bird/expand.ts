/**
 * birdc/birdcl expand abbreviated commands before sending them ("sh pro"
 * becomes "show protocols"; bird: client/commands.c cmd_expand): each word
 * is matched against the command keywords below it, exactly or as a unique
 * prefix; the first word that matches nothing starts the arguments, which
 * pass through unchanged. The keywords are BIRD 1.6's CLI commands.
 */
const COMMANDS = [
  'show status',
  'show memory',
  'show protocols',
  'show protocols all',
  'show interfaces',
  'show interfaces summary',
  'show route',
  'show symbols',
  'show static',
  'show roa',
  'show bfd sessions',
  'show ospf',
  'show rip',
  'dump resources',
  'dump sockets',
  'dump events',
  'dump interfaces',
  'dump neighbors',
  'dump attributes',
  'dump routes',
  'dump protocols',
  'echo',
  'eval',
  'disable',
  'enable',
  'restart',
  'reload',
  'reload in',
  'reload out',
  'debug',
  'mrtdump',
  'restrict',
  'configure',
  'configure soft',
  'configure timeout',
  'configure confirm',
  'configure undo',
  'configure check',
  'down',
  'quit',
  'exit',
  'help',
] as const;

interface Node {
  readonly token: string;
  /** The full command when this node ends one. */
  command: string | null;
  readonly children: Node[];
}

function buildTree(): Node {
  const root: Node = { token: '', command: null, children: [] };
  for (const c of COMMANDS) {
    let n = root;
    for (const w of c.split(' ')) {
      let child = n.children.find((x) => x.token === w);
      if (!child) {
        child = { token: w, command: null, children: [] };
        n.children.push(child);
      }
      n = child;
    }
    n.command = c;
  }
  return root;
}

const ROOT = buildTree();

export type Expansion = { readonly kind: 'command'; readonly text: string } | { readonly kind: 'error'; readonly message: string };

/** The command birdc would send for what the user typed, or the message it prints instead. */
export function expandCommand(input: string): Expansion {
  let node = ROOT;
  let argsAt = 0;
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(input)) !== null) {
    const word = m[0];
    const exact = node.children.find((c) => c.token === word);
    const prefixed = node.children.filter((c) => c.token.length > word.length && c.token.startsWith(word));
    let next: Node | undefined = exact;
    if (!next) {
      if (prefixed.length > 1) {
        return { kind: 'error', message: ['Ambiguous command, possible expansions are:', ...prefixed.map((c) => c.command ?? `${c.token} ...`)].join('\n') };
      }
      next = prefixed[0];
    }
    if (!next) break;
    node = next;
    argsAt = m.index + word.length;
  }
  if (!node.command) return { kind: 'error', message: "No such command. Press `?' for help." };
  return { kind: 'command', text: node.command + input.slice(argsAt) };
}
