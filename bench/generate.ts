/**
 * Seeded generator of Titanic-like and Penguins-like data of any size, as CSV and Parquet, with the
 * same columns and types as the bundled data/titanic.csv and data/penguins.csv: quoted names (some
 * with doubled quotes), missing Age/Cabin/Embarked (empty fields) in Titanic; `NA` for missing
 * values in Penguins. The same seed and size always give the same bytes.
 *
 * Run: `npx tsx bench/generate.ts titanic|penguins ROWS OUT.csv [--parquet OUT.parquet] [--seed N]`
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { SeededRandom } from "../src/algorithms/random.ts";
import { openDuckDB, sqlString } from "../src/data/duckdb.ts";

/** Dataset kinds the generator knows. */
export type BenchDataset = "titanic" | "penguins";

const TITANIC_HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked";
const PENGUINS_HEADER = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year";

const SURNAMES = [
  "Braund",
  "Cumings",
  "Heikkinen",
  "Futrelle",
  "Allen",
  "Moran",
  "McCarthy",
  "Palsson",
  "Johnson",
  "Nasser",
  "Sandstrom",
  "Bonnell",
];
const GIVEN = [
  "Owen Harris",
  "John Bradley",
  "Laina",
  "Jacques Heath",
  "William Henry",
  "James",
  "Timothy J",
  "Gosta Leonard",
  "Oscar W",
  "Nicholas",
];
const TITLES = ["Mr.", "Mrs.", "Miss.", "Master.", "Dr.", "Rev."];

/** Standard normal draw (Box–Muller). */
function normal(random: SeededRandom): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)];
}

/** One Titanic-like record (with its line feed). */
function titanicRow(random: SeededRandom, id: number): string {
  const u = random.next();
  const pclass = u < 0.24 ? 1 : u < 0.45 ? 2 : 3;
  const male = random.next() < 0.65;
  const ageMissing = random.next() < 0.2;
  let age = "";
  if (!ageMissing) {
    const a = Math.min(80, Math.max(0.42, 29.7 + 14.5 * normal(random) - (pclass - 2) * 5));
    age = a < 1 ? a.toFixed(2) : random.next() < 0.05 ? `${Math.floor(a)}.5` : String(Math.round(a));
  }
  const sibsp = random.next() < 0.68 ? 0 : random.next() < 0.75 ? 1 : Math.floor(random.next() * 8);
  const parch = random.next() < 0.76 ? 0 : random.next() < 0.6 ? 1 : Math.floor(random.next() * 6);
  const baseFare = pclass === 1 ? 84 : pclass === 2 ? 21 : 13;
  const fare = (baseFare * Math.exp(0.6 * normal(random))).toFixed(4);
  const cabin =
    random.next() < 0.77
      ? ""
      : `${"ABCDEFG"[Math.floor(random.next() * 7)]}${1 + Math.floor(random.next() * 120)}`;
  const e = random.next();
  const embarked = e < 0.002 ? "" : e < 0.72 ? "S" : e < 0.91 ? "C" : "Q";
  const title = male ? (random.next() < 0.9 ? "Mr." : pick(random, TITLES)) : pick(random, ["Mrs.", "Miss."]);
  const nick = random.next() < 0.05 ? ` ""${pick(random, GIVEN).split(" ")[0]}""` : "";
  const name = `"${pick(random, SURNAMES)}, ${title} ${pick(random, GIVEN)}${nick}"`;
  // Survival follows the usual pattern: women, children and first class survive more often.
  const logit = -1.2 + (male ? -1.3 : 1.4) + (3 - pclass) * 0.8 + (age !== "" && Number(age) < 12 ? 1 : 0);
  const survived = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  const ticket = `${random.next() < 0.3 ? "PC " : ""}${10000 + Math.floor(random.next() * 900000)}`;
  return `${id},${survived},${pclass},${name},${male ? "male" : "female"},${age},${sibsp},${parch},${ticket},${fare},${cabin},${embarked}\n`;
}

/** Per species: island weights (Biscoe, Dream, Torgersen), means and sds of the four measurements. */
const SPECIES = [
  {
    name: "Adelie",
    weight: 0.44,
    islands: [0.29, 0.37, 0.34],
    mean: [38.8, 18.3, 190, 3700],
    sd: [2.7, 1.2, 6.5, 460],
  },
  {
    name: "Chinstrap",
    weight: 0.2,
    islands: [0, 1, 0],
    mean: [48.8, 18.4, 196, 3733],
    sd: [3.3, 1.1, 7.1, 384],
  },
  {
    name: "Gentoo",
    weight: 0.36,
    islands: [1, 0, 0],
    mean: [47.5, 15.0, 217, 5076],
    sd: [3.1, 1.0, 6.5, 504],
  },
];
const ISLANDS = ["Biscoe", "Dream", "Torgersen"];

/** One Penguins-like record (with its line feed). */
function penguinsRow(random: SeededRandom): string {
  const u = random.next();
  const species =
    u < SPECIES[0].weight ? SPECIES[0] : u < SPECIES[0].weight + SPECIES[1].weight ? SPECIES[1] : SPECIES[2];
  const v = random.next();
  const island =
    v < species.islands[0]
      ? ISLANDS[0]
      : v < species.islands[0] + species.islands[1]
        ? ISLANDS[1]
        : ISLANDS[2];
  const z = normal(random);
  // One shared size factor correlates the measurements, as in the real birds.
  const m = species.mean.map((mu, j) => mu + species.sd[j] * (0.6 * z + 0.8 * normal(random)));
  const missing = random.next() < 0.006;
  const values = missing
    ? ["NA", "NA", "NA", "NA"]
    : [m[0].toFixed(1), m[1].toFixed(1), String(Math.round(m[2])), String(Math.round(m[3] / 25) * 25)];
  const s = random.next();
  const sex = s < 0.03 ? "NA" : s < 0.515 ? "male" : "female";
  const year = 2007 + Math.floor(random.next() * 3);
  return `${species.name},${island},${values.join(",")},${sex},${year}\n`;
}

/** Writes `rows` seeded records of `dataset` to a CSV file (atomically, via a temporary name). */
export async function generateCsv(
  dataset: BenchDataset,
  rows: number,
  out: string,
  seed = 42,
): Promise<void> {
  const random = new SeededRandom(seed);
  const temp = `${out}.tmp-${process.pid}`;
  const stream = createWriteStream(temp);
  stream.write(`${dataset === "titanic" ? TITANIC_HEADER : PENGUINS_HEADER}\n`);
  let text = "";
  for (let i = 1; i <= rows; i++) {
    text += dataset === "titanic" ? titanicRow(random, i) : penguinsRow(random);
    if (text.length > 1 << 20) {
      if (!stream.write(text)) await once(stream, "drain");
      text = "";
    }
  }
  stream.end(text);
  await once(stream, "finish");
  await rename(temp, out);
}

/** Converts a generated CSV to Parquet with natural column types (numbers as BIGINT/DOUBLE). */
export async function csvToParquet(dataset: BenchDataset, csv: string, out: string): Promise<void> {
  const types =
    dataset === "titanic"
      ? "{'PassengerId': 'BIGINT', 'Survived': 'BIGINT', 'Pclass': 'BIGINT', 'Name': 'VARCHAR', 'Sex': 'VARCHAR', " +
        "'Age': 'DOUBLE', 'SibSp': 'BIGINT', 'Parch': 'BIGINT', 'Ticket': 'VARCHAR', 'Fare': 'DOUBLE', 'Cabin': 'VARCHAR', 'Embarked': 'VARCHAR'}"
      : "{'species': 'VARCHAR', 'island': 'VARCHAR', 'bill_length_mm': 'DOUBLE', 'bill_depth_mm': 'DOUBLE', " +
        "'flipper_length_mm': 'BIGINT', 'body_mass_g': 'BIGINT', 'sex': 'VARCHAR', 'year': 'BIGINT'}";
  const session = await openDuckDB();
  try {
    const temp = `${out}.tmp-${process.pid}.parquet`;
    await session.connection.run(
      `COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true, auto_detect = false, columns = ${types}, ` +
        `nullstr = ['', 'NA'], quote = '"', escape = '"')) TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION snappy)`,
    );
    await rename(temp, out);
  } finally {
    session.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [dataset, rowsText, out, ...rest] = argv;
  if ((dataset !== "titanic" && dataset !== "penguins") || !rowsText || !out) {
    console.error(
      "usage: npx tsx bench/generate.ts titanic|penguins ROWS OUT.csv [--parquet OUT.parquet] [--seed N]",
    );
    process.exit(2);
  }
  const rows = Number(rowsText);
  const seedAt = rest.indexOf("--seed");
  const parquetAt = rest.indexOf("--parquet");
  await generateCsv(dataset, rows, out, seedAt >= 0 ? Number(rest[seedAt + 1]) : 42);
  if (parquetAt >= 0) await csvToParquet(dataset, out, rest[parquetAt + 1]);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
