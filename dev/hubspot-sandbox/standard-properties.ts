/**
 * HubSpot's standard company properties and groups as a fresh portal has them
 * (the subset this project can meet; `industry` and `type` carry a trimmed
 * option list, so values outside it fail validation here but not in HubSpot).
 */
import type { PropertyDefinition, PropertyGroupDefinition, PropertyOption, PropertyType } from './property-types.js';

export const STANDARD_GROUPS: readonly PropertyGroupDefinition[] = [
  { name: 'companyinformation', label: 'Company information', displayOrder: 0, archived: false },
  { name: 'company_activity', label: 'Company activity', displayOrder: 1, archived: false },
];

interface StandardSpec {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  readOnlyValue?: boolean;
  options?: readonly string[];
  group?: string;
}

const SPECS: readonly StandardSpec[] = [
  { name: 'name', label: 'Company name', type: 'string', fieldType: 'text' },
  { name: 'domain', label: 'Company domain name', type: 'string', fieldType: 'text' },
  { name: 'website', label: 'Website URL', type: 'string', fieldType: 'text' },
  { name: 'phone', label: 'Phone Number', type: 'string', fieldType: 'phonenumber' },
  { name: 'address', label: 'Street Address', type: 'string', fieldType: 'text' },
  { name: 'address2', label: 'Street Address 2', type: 'string', fieldType: 'text' },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text' },
  { name: 'state', label: 'State/Region', type: 'string', fieldType: 'text' },
  { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text' },
  { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text' },
  { name: 'description', label: 'Description', type: 'string', fieldType: 'textarea' },
  { name: 'numberofemployees', label: 'Number of Employees', type: 'number', fieldType: 'number' },
  { name: 'annualrevenue', label: 'Annual Revenue', type: 'number', fieldType: 'number' },
  {
    name: 'industry',
    label: 'Industry',
    type: 'enumeration',
    fieldType: 'select',
    options: [
      'TELECOMMUNICATIONS',
      'WIRELESS',
      'COMPUTER_SOFTWARE',
      'INFORMATION_TECHNOLOGY_AND_SERVICES',
      'INTERNET',
      'RETAIL',
      'FINANCIAL_SERVICES',
    ],
  },
  {
    name: 'type',
    label: 'Type',
    type: 'enumeration',
    fieldType: 'select',
    options: ['PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER'],
  },
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'],
  },
  { name: 'hs_object_id', label: 'Record ID', type: 'number', fieldType: 'number', readOnlyValue: true },
  { name: 'createdate', label: 'Create Date', type: 'datetime', fieldType: 'date', group: 'company_activity' },
  {
    name: 'hs_lastmodifieddate',
    label: 'Last Modified Date',
    type: 'datetime',
    fieldType: 'date',
    readOnlyValue: true,
    group: 'company_activity',
  },
  { name: 'hs_merged_object_ids', label: 'Merged Company IDs', type: 'enumeration', fieldType: 'checkbox', readOnlyValue: true },
];

export function standardProperties(nowIso: string): PropertyDefinition[] {
  return SPECS.map((spec, index) => ({
    name: spec.name,
    label: spec.label,
    type: spec.type,
    fieldType: spec.fieldType,
    description: '',
    groupName: spec.group ?? 'companyinformation',
    options: (spec.options ?? []).map((value, order): PropertyOption => ({ value, label: value, hidden: false, displayOrder: order })),
    displayOrder: index,
    hasUniqueValue: false,
    hidden: false,
    formField: !spec.readOnlyValue,
    calculated: false,
    externalOptions: false,
    hubspotDefined: true,
    readOnlyValue: spec.readOnlyValue ?? false,
    createdAt: nowIso,
    updatedAt: nowIso,
    archived: false,
  }));
}

/** What GET/list/search return when the caller names no properties. */
export const DEFAULT_COMPANY_PROPERTIES = ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'] as const;
