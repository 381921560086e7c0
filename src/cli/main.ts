// The `mlleaks` command: dispatches to one module per subcommand (src/cli/commands/).
// Exit codes: 0 ok, 1 failure, 2 usage error.
import { CommandSpec, UsageError, closest, formatHelp, parseOptions } from "./args.js";
import { attackCommand } from "./commands/attack.js";
import { auditCommand } from "./commands/audit.js";
import { dpEpsilonCommand } from "./commands/dp-epsilon.js";
import { datasetsFetchCommand, datasetsListCommand } from "./commands/datasets.js";
import { epsilonCommand } from "./commands/epsilon.js";
import { serveCommand } from "./commands/serve.js";
import { trainCommand } from "./commands/train.js";
import { workerCommand } from "./commands/worker.js";

const commands: CommandSpec[] = [];
commands.push(auditCommand, attackCommand);
commands.push(datasetsListCommand, datasetsFetchCommand);
commands.push(serveCommand);
commands.push(trainCommand);
commands.push(workerCommand);
commands.push(epsilonCommand);
commands.push(dpEpsilonCommand);

function topLevelHelp(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length)) + 2;
  return [
    "mlleaks: membership-inference auditing (ML-Leaks and beyond)",
    "",
    "usage: mlleaks <command> [options]    (mlleaks <command> --help for its options)",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  // `mlleaks help audit` is `mlleaks audit --help`.
  if (first === "help" && rest.length > 0) return main([...rest, "--help"]);
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    console.log(topLevelHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version") {
    console.log("mlleaks 0.1.0");
    return 0;
  }
  // Two-word commands ("datasets list") are registered under their full name.
  const twoWord = rest[0] !== undefined ? commands.find((c) => c.name === `${first} ${rest[0]}`) : undefined;
  const command = twoWord ?? commands.find((c) => c.name === first);
  const args = twoWord ? rest.slice(1) : rest;
  if (!command) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (args.length === 0 || args.includes("--help"))) {
      console.log(group.map((c) => `mlleaks ${c.name}: ${c.summary}`).join("\n"));
      return args.length === 0 ? 2 : 0;
    }
    const unknown = [first, ...(group.length > 0 ? rest.slice(0, 1) : [])].join(" ");
    const guess = closest(unknown, commands.map((c) => c.name));
    console.error(`mlleaks: unknown command '${unknown}'${guess ? ` (did you mean '${guess}'?)` : ""}\n\n${topLevelHelp()}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(formatHelp(command));
    return 0;
  }
  try {
    const { options, positionals } = parseOptions(command, args);
    return await command.run(options, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    console.error(`mlleaks ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.MLLEAKS_DEBUG && error instanceof Error) console.error(error.stack);
    return 1;
  }
}
