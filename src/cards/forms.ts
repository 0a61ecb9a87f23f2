import type { DomainError } from '../domain/errors';
import type { CardJson } from './render';

/**
 * The forms on a child's card, drawn inline (not in a ShowCard) so that a refused form can come back
 * as itself: the person's entries kept, and each problem in one sentence under the field it concerns.
 * What the client can check (required, pattern, date bounds, length) it checks before sending, with
 * the same sentence the server would use.
 */

export type FieldKind = 'date' | 'time' | 'text' | 'multiline' | 'choice' | 'multichoice' | 'toggle';

export interface FormField {
  id: string;
  kind: FieldKind;
  label: string;
  required?: boolean;
  /** The sentence the client shows when the field is empty or does not match. */
  errorMessage?: string;
  maxLength?: number;
  regex?: string;
  /** Bounds of a date (YYYY-MM-DD). */
  min?: string;
  max?: string;
  choices?: { title: string; value: string }[];
  placeholder?: string;
  /** For a toggle: its title. */
  title?: string;
}

export interface FormView {
  title: string;
  /** One line under the title: what the form records and what follows from it. */
  help?: string;
  fields: FormField[];
  /** What the person entered (kept on a refusal) or the starting values. */
  values: Record<string, string>;
  /** A sentence per field id; `form` for a problem that is not one field's. */
  errors: Record<string, string>;
  submit: { title: string; verb: string; data: object };
  cancel?: { title: string; verb: string; data: object };
  /** The form's title as a card heading (a form that is the whole card) rather than a section's. */
  heading?: boolean;
}

/** An HH:MM time, as Input.Time sends it. */
export const TIME_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d$';

function inputFor(field: FormField, value: string): CardJson {
  const common = { id: field.id, label: field.label, isRequired: field.required ?? false, ...(field.errorMessage ? { errorMessage: field.errorMessage } : {}) };
  switch (field.kind) {
    case 'date':
      return { type: 'Input.Date', ...common, value, ...(field.min ? { min: field.min } : {}), ...(field.max ? { max: field.max } : {}) };
    case 'time':
      return { type: 'Input.Time', ...common, value };
    case 'text':
    case 'multiline':
      return {
        type: 'Input.Text',
        ...common,
        value,
        isMultiline: field.kind === 'multiline',
        ...(field.maxLength ? { maxLength: field.maxLength } : {}),
        ...(field.regex ? { regex: field.regex } : {}),
        ...(field.placeholder ? { placeholder: field.placeholder } : {}),
      };
    case 'choice':
    case 'multichoice':
      return { type: 'Input.ChoiceSet', ...common, value, style: 'expanded', isMultiSelect: field.kind === 'multichoice', choices: field.choices ?? [] };
    case 'toggle':
      return { type: 'Input.Toggle', ...common, title: field.title ?? field.label, value: value || 'false', valueOn: 'true', valueOff: 'false' };
  }
}

/** A sentence under a field (or the form), in the host's attention colour: refused, and why. */
const problem = (text: string): CardJson => ({ type: 'TextBlock', text, wrap: true, color: 'Attention', weight: 'Bolder', size: 'Small', spacing: 'Small' });

/** The form as card elements: title, help, each input with its problem under it, then Save / Cancel. */
export function renderForm(form: FormView): CardJson[] {
  const items: CardJson[] = [{ type: 'TextBlock', text: form.title, weight: 'Bolder', wrap: true, ...(form.heading ? { size: 'Medium' } : { spacing: 'Medium' }) }];
  if (form.help) items.push({ type: 'TextBlock', text: form.help, wrap: true, size: 'Small', spacing: 'None' });
  if (form.errors.form) items.push(problem(form.errors.form));
  for (const field of form.fields) {
    items.push(inputFor(field, form.values[field.id] ?? ''));
    if (form.errors[field.id]) items.push(problem(form.errors[field.id]!));
  }
  items.push({
    type: 'ActionSet',
    spacing: 'Medium',
    actions: [
      { type: 'Action.Execute', title: form.submit.title, verb: form.submit.verb, data: form.submit.data, style: 'positive' },
      ...(form.cancel ? [{ type: 'Action.Execute', title: form.cancel.title, verb: form.cancel.verb, data: form.cancel.data, associatedInputs: 'none' }] : []),
    ],
  });
  return items;
}

/** The values a card sent for a form's fields, as strings (what Teams sends), bounded. */
export function valuesOf(ids: string[], raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, typeof raw[id] === 'string' ? (raw[id] as string).slice(0, 2000) : '']));
}

/** A domain refusal's sentences beside the fields they concern (`fieldOf`: its paths to field ids); the rest above the form. */
export function errorsBeside(error: DomainError, fieldOf: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of error.problems.length > 0 ? error.problems : [{ path: '', message: error.message }]) errors[fieldOf[problem.path] ?? 'form'] ??= problem.message;
  return errors;
}

/** The first problem zod found with each field, as the sentence to show beside it. */
export function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}
