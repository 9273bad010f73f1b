import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { parseJson } from './json.js';

/** Whole-number percentages of a quota, as the Graph API reports them. */
export interface UsageFigures {
  readonly call_count: number;
  readonly total_cputime: number;
  readonly total_time: number;
}

interface BusinessUseCaseUsage extends UsageFigures {
  /** The business or Page the figures are for. */
  readonly id: string;
  readonly type: string;
  /** Minutes until calls are allowed again; 0 when not throttled. */
  readonly estimated_time_to_regain_access: number;
}

/** What one answer's usage headers say. */
export interface Usage {
  readonly app: UsageFigures | undefined;
  /** X-Page-Usage: the Page token's own quota, seen on answers to Page-token calls (above 100 % too). */
  readonly page: UsageFigures | undefined;
  readonly businessUseCases: readonly BusinessUseCaseUsage[];
}

/** Parses X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage; anything malformed is ignored. */
export function parseUsage(headers: IncomingHttpHeaders | undefined): Usage {
  const app = figures(parseJson(header(headers, 'x-app-usage') ?? ''));
  const page = figures(parseJson(header(headers, 'x-page-usage') ?? ''));
  const businessUseCases: BusinessUseCaseUsage[] = [];
  const buc = parseJson(header(headers, 'x-business-use-case-usage') ?? '');
  if (typeof buc === 'object' && buc !== null && !Array.isArray(buc)) {
    for (const [id, entries] of Object.entries(buc)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const f = figures(entry);
        if (!f) continue;
        const e = entry as { type?: unknown; estimated_time_to_regain_access?: unknown };
        businessUseCases.push({
          ...f,
          id,
          type: typeof e.type === 'string' ? e.type : 'unknown',
          estimated_time_to_regain_access: finite(e.estimated_time_to_regain_access),
        });
      }
    }
  }
  return { app, page, businessUseCases };
}

/** The figures that decide throttling: the business-use-case entries when there are any, else the app's and the Page's. */
function deciding(usage: Usage): readonly UsageFigures[] {
  if (usage.businessUseCases.length > 0) return usage.businessUseCases;
  return [usage.app, usage.page].filter((f): f is UsageFigures => f !== undefined);
}

/** The highest percentage among the figures that decide throttling (business use case wins). */
export function peakPercent(usage: Usage): number {
  return peakOf(deciding(usage));
}

/** Each deciding figure at its highest, and the raw header they were read from; undefined when none. */
export function decidingUsage(
  usage: Usage,
  headers: IncomingHttpHeaders | undefined,
): { readonly figures: UsageFigures; readonly header: string } | undefined {
  const figures = deciding(usage);
  const name =
    usage.businessUseCases.length > 0
      ? 'x-business-use-case-usage'
      : usage.page && (!usage.app || peakOf([usage.page]) > peakOf([usage.app]))
        ? 'x-page-usage'
        : 'x-app-usage';
  const raw = header(headers, name);
  if (figures.length === 0 || raw === undefined) return undefined;
  const peak = (name: keyof UsageFigures) => Math.max(...figures.map((f) => f[name]));
  return { figures: { call_count: peak('call_count'), total_cputime: peak('total_cputime'), total_time: peak('total_time') }, header: raw };
}

/**
 * The highest percentage of either header: what bulk shedding compares with BULK_SHED_AT_PERCENT.
 * Unlike throttling, shedding heeds the app's figures even beside business-use-case ones: it is a
 * precaution, and either quota running out stops every caller.
 */
export function highestPercent(usage: Usage): number {
  return peakOf([usage.app, usage.page, ...usage.businessUseCases].filter((f): f is UsageFigures => f !== undefined));
}

function peakOf(figures: readonly UsageFigures[]): number {
  return Math.max(0, ...figures.map((f) => Math.max(f.call_count, f.total_cputime, f.total_time)));
}

/** Minutes until access is regained, per the business-use-case header; 0 when not throttled. */
export function regainMinutes(usage: Usage): number {
  return Math.max(0, ...usage.businessUseCases.map((b) => b.estimated_time_to_regain_access));
}

function header(headers: IncomingHttpHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

function figures(value: unknown): UsageFigures | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.call_count === undefined && v.total_cputime === undefined && v.total_time === undefined) return undefined;
  return { call_count: finite(v.call_count), total_cputime: finite(v.total_cputime), total_time: finite(v.total_time) };
}

function finite(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}
