import { create } from 'xmlbuilder2';
import { type Diagnostic, RegstateError } from '../../errors.js';
import type { DesiredState } from '../../model/desired-state.js';
import { type GppRegistryItem, planGppRegistryItems } from './gpp-registry-items.js';

// [MS-GPPREF] 2.2.1.17 (Registry) and 2.2.1.17.1 (its element-specific attributes); the
// class ids are the outer/inner element CLSIDs of its Preference Policy file table.
const REGISTRY_SETTINGS_CLSID = '{A3CCFC41-DFDB-43a5-8D26-0FE8B954DA51}';
const REGISTRY_CLSID = '{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}';

export interface RenderGppOptions {
  /** Stamped on every item as `changed` (UTC). */
  now: Date;
  /** A fresh item uid, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` upper case as GPMC writes them. */
  newUid: () => string;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, GPMC's `changed` form. */
export function formatGppChanged(now: Date): string {
  return now.toISOString().slice(0, 19).replace('T', ' ');
}

// xmlbuilder2 leaves an `&` alone when it is followed by something entity-shaped (`&amp;`,
// `&x;`, `&#65;`), so data such as "AT&T;" would come out as an undefined entity. Handing it
// every `&` already as `&amp;` makes each one entity-shaped, so it is written exactly once.
function literal(text: string): string {
  return text.replaceAll('&', '&amp;');
}

function flag(on: boolean): string {
  return on ? '1' : '0';
}

function itemAttributes(item: GppRegistryItem, changed: string, uid: string): Record<string, string> {
  // bypassErrors="1": a failing item does not stop the ones after it (GPMC's
  // "Stop processing items in this extension if an error occurs" left unchecked).
  return { clsid: REGISTRY_CLSID, name: literal(item.name), status: literal(item.status), image: String(item.image), changed, uid, bypassErrors: '1' };
}

function propertyAttributes(item: GppRegistryItem): Record<string, string> {
  return {
    action: item.action,
    displayDecimal: flag(item.displayDecimal),
    default: flag(item.isDefault),
    hive: item.hive,
    key: literal(item.key),
    name: literal(item.valueName),
    type: item.type,
    value: literal(item.value),
  };
}

/**
 * Renders a desired state as a Group Policy Preferences `Registry.xml`
 * (`<GPO>\Machine\Preferences\Registry\Registry.xml`, or `User\...`), one flat item per value in
 * declaration order. Kinds GPP cannot set (REG_NONE, REG_OTHER) are left out with a warning, as is
 * the registry view (the 32-bit view becomes a WOW6432Node path). Data an XML attribute cannot
 * carry (control characters, line breaks) throws a RegstateError with every such problem.
 * Pure: time and uids come from `options`.
 */
export function renderGppRegistryXml(desired: DesiredState, options: RenderGppOptions): { xml: string; warnings: Diagnostic[] } {
  const { items, warnings, errors } = planGppRegistryItems(desired);
  if (errors.length > 0) throw RegstateError.fromDiagnostics(errors);
  const changed = formatGppChanged(options.now);
  const root = create({ version: '1.0', encoding: 'utf-8' }).ele('RegistrySettings', { clsid: REGISTRY_SETTINGS_CLSID });
  for (const item of items) {
    const properties = root.ele('Registry', itemAttributes(item, changed, options.newUid())).ele('Properties', propertyAttributes(item));
    if (item.values) {
      const values = properties.ele('Values');
      for (const text of item.values) values.ele('Value').txt(literal(text));
    }
  }
  // wellFormed makes the serializer refuse anything the checks above let through.
  return { xml: root.end({ prettyPrint: true, wellFormed: true }), warnings };
}
