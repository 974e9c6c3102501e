// Checks every Kubernetes manifest under the given directory offline: strict YAML (duplicate keys are errors),
// then each object against the Kubernetes API's OpenAPI schema (kubernetes-models: types, required fields, enums,
// formats) and, since those schemas allow additional properties, for unknown (e.g. misspelt) fields against the
// field lists of the official client's models (@kubernetes/client-node).
// Prints one line per object; exits 1 on the first directory with an invalid object.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import * as k8s from "@kubernetes/client-node";

const dir = process.argv[2] ?? "../k8s";
let failed = 0;
for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"), { uniqueKeys: true, strict: true })) {
    if (doc.errors.length > 0) {
      console.log(`FAIL ${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
      failed++;
      continue;
    }
    const object = doc.toJS();
    if (object == null) continue;
    const { apiVersion, kind } = object;
    if (apiVersion === "kustomize.config.k8s.io/v1beta1") {
      console.log(`ok   ${file}: ${kind} (not an API object: parsed only)`);
      continue;
    }
    const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
    try {
      const { [kind]: Model } = await import(modulePath);
      new Model(object).validate();
      const version = apiVersion.split("/").pop();
      const unknown = unknownFields(object, version[0].toUpperCase() + version.slice(1) + kind, "");
      if (unknown.length > 0) throw new Error(`unknown fields: ${unknown.join(", ")}`);
      console.log(`ok   ${file}: ${apiVersion} ${kind} ${object.metadata?.name}`);
    } catch (e) {
      console.log(`FAIL ${file}: ${apiVersion} ${kind} ${object.metadata?.name}: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed === 0 ? 0 : 1);

function unknownFields(value, type, path) {
  if (value == null) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return value.flatMap((v, i) => unknownFields(v, array[1], `${path}[${i}]`));
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1], `${path}.${k}`));
  const model = k8s[type];
  if (typeof model?.getAttributeTypeMap !== "function") return []; // string, number, IntOrString ...
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) =>
    attributes.has(k) ? unknownFields(v, attributes.get(k), `${path}.${k}`) : [`${path}.${k}`.slice(1)]);
}
