/**
 * Company property definitions and groups: HubSpot's standard ones plus
 * whatever the API creates, with HubSpot's rules on names, types, field
 * types, options and the limit of 10 unique-value properties.
 */
import { conflict, HubSpotError, notFound, validationError } from './hubspot-error.js';
import { FIELD_TYPES_BY_TYPE } from './property-types.js';
import type { PropertyDefinition, PropertyGroupDefinition, PropertyOption } from './property-types.js';
import type { PropertyCreateInput, PropertyUpdateInput } from './request-schemas.js';
import { STANDARD_GROUPS, standardProperties } from './standard-properties.js';

export const MAX_UNIQUE_PROPERTIES = 10;
const NAME = /^[a-z][a-z0-9_]{0,99}$/;

export interface RegistrySnapshot {
  properties: PropertyDefinition[];
  groups: PropertyGroupDefinition[];
}

export class PropertyRegistry {
  private properties = new Map<string, PropertyDefinition>();
  private groups = new Map<string, PropertyGroupDefinition>();

  constructor(private readonly now: () => number) {
    this.reset();
  }

  reset(): void {
    const iso = new Date(this.now()).toISOString();
    this.properties = new Map(standardProperties(iso).map((p) => [p.name, p]));
    this.groups = new Map(STANDARD_GROUPS.map((g) => [g.name, { ...g }]));
  }

  snapshot(): RegistrySnapshot {
    return { properties: [...this.properties.values()], groups: [...this.groups.values()] };
  }

  load(snapshot: RegistrySnapshot): void {
    this.properties = new Map(snapshot.properties.map((p) => [p.name, p]));
    this.groups = new Map(snapshot.groups.map((g) => [g.name, g]));
  }

  list(archived = false): PropertyDefinition[] {
    return [...this.properties.values()].filter((p) => p.archived === archived);
  }

  /** A live definition, or undefined (archived properties behave as missing for writes). */
  live(name: string): PropertyDefinition | undefined {
    const def = this.properties.get(name);
    return def && !def.archived ? def : undefined;
  }

  get(name: string, archived = false): PropertyDefinition {
    const def = this.properties.get(name);
    if (!def || def.archived !== archived) throw notFound(`Unable to find property ${name} for object type companies`);
    return def;
  }

  uniqueNames(): string[] {
    return this.list()
      .filter((p) => p.hasUniqueValue)
      .map((p) => p.name);
  }

  create(input: PropertyCreateInput): PropertyDefinition {
    if (!NAME.test(input.name) || input.name.startsWith('hs_')) {
      throw validationError(`Property name "${input.name}" is invalid: use lowercase letters, digits and _ (not starting with hs_).`);
    }
    if (this.properties.has(input.name)) {
      throw new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${input.name}' already exists.`);
    }
    this.requireGroup(input.groupName);
    checkTypeAndField(input.type, input.fieldType);
    if (input.hasUniqueValue) {
      if (input.type !== 'string' && input.type !== 'number') {
        throw validationError('Only string and number properties can require unique values.');
      }
      if (this.uniqueNames().length >= MAX_UNIQUE_PROPERTIES) {
        throw validationError(
          `Can't create property ${input.name}: an object type may have at most ${MAX_UNIQUE_PROPERTIES} unique value properties.`,
          {
            subCategory: 'PropertyValidationError.MAX_UNIQUE_VALUE_PROPERTIES_EXCEEDED',
          },
        );
      }
    }
    const iso = new Date(this.now()).toISOString();
    const def: PropertyDefinition = {
      name: input.name,
      label: input.label,
      type: input.type,
      fieldType: input.fieldType,
      description: input.description,
      groupName: input.groupName,
      options: optionsFor(input.type, input.options),
      displayOrder: input.displayOrder,
      hasUniqueValue: input.hasUniqueValue,
      hidden: input.hidden,
      formField: input.formField,
      calculated: false,
      externalOptions: input.externalOptions,
      hubspotDefined: false,
      readOnlyValue: false,
      createdAt: iso,
      updatedAt: iso,
      archived: false,
    };
    this.properties.set(def.name, def);
    return def;
  }

  update(name: string, patch: PropertyUpdateInput): PropertyDefinition {
    const def = this.get(name);
    if (def.hubspotDefined) throw validationError(`Property ${name} is defined by HubSpot and its definition is read only.`);
    const type = patch.type ?? def.type;
    const fieldType = patch.fieldType ?? def.fieldType;
    checkTypeAndField(type, fieldType);
    if (patch.groupName !== undefined) this.requireGroup(patch.groupName);
    const { options, ...rest } = patch;
    Object.assign(def, stripUndefined(rest), { type, fieldType, updatedAt: new Date(this.now()).toISOString() });
    if (options !== undefined || patch.type !== undefined) def.options = optionsFor(type, options ?? def.options);
    return def;
  }

  archive(name: string): void {
    const def = this.get(name);
    if (def.hubspotDefined) throw validationError(`Property ${name} is defined by HubSpot and cannot be archived.`);
    def.archived = true;
    def.archivedAt = new Date(this.now()).toISOString();
  }

  listGroups(): PropertyGroupDefinition[] {
    return [...this.groups.values()].filter((g) => !g.archived);
  }

  getGroup(name: string): PropertyGroupDefinition {
    const group = this.groups.get(name);
    if (!group || group.archived) throw notFound(`Unable to find property group ${name} for object type companies`);
    return group;
  }

  createGroup(input: { name: string; label: string; displayOrder: number }): PropertyGroupDefinition {
    if (!NAME.test(input.name)) throw validationError(`Property group name "${input.name}" is invalid.`);
    if (this.groups.get(input.name)?.archived === false) {
      throw new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `Property group named '${input.name}' already exists.`);
    }
    const group = { ...input, archived: false };
    this.groups.set(group.name, group);
    return group;
  }

  updateGroup(name: string, patch: { label?: string; displayOrder?: number }): PropertyGroupDefinition {
    return Object.assign(this.getGroup(name), stripUndefined(patch));
  }

  archiveGroup(name: string): void {
    const group = this.getGroup(name);
    if (this.list().some((p) => p.groupName === name)) {
      throw conflict(`Property group ${name} still holds properties; move or archive them first.`);
    }
    group.archived = true;
  }

  private requireGroup(name: string): void {
    if (this.groups.get(name)?.archived !== false) throw validationError(`Property group ${name} does not exist.`);
  }
}

function checkTypeAndField(type: PropertyDefinition['type'], fieldType: string): void {
  if (!FIELD_TYPES_BY_TYPE[type].includes(fieldType)) {
    throw validationError(`fieldType ${fieldType} is not valid for type ${type}; use one of ${FIELD_TYPES_BY_TYPE[type].join(', ')}.`);
  }
}

function optionsFor(type: PropertyDefinition['type'], options: readonly PropertyOption[]): PropertyOption[] {
  if (type === 'bool') {
    return [
      { label: 'Yes', value: 'true', hidden: false, displayOrder: 0 },
      { label: 'No', value: 'false', hidden: false, displayOrder: 1 },
    ];
  }
  if (type !== 'enumeration') return [];
  const seen = new Set<string>();
  for (const option of options) {
    if (seen.has(option.value)) throw validationError(`Option value ${option.value} is used more than once.`);
    seen.add(option.value);
  }
  return options.map((o, index) => ({ ...o, displayOrder: o.displayOrder ?? index }));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
