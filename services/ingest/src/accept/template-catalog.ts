import { templateKeyOf, type TemplateRepository } from '@notify/stores';
import type { TemplateCatalog, TemplateRef } from '../domain/references.js';

/** The templates asked for that have a variant, through the repository (and its cache) in one call. */
export function templateCatalog(templates: Pick<TemplateRepository, 'getManyTemplates'>): TemplateCatalog {
  return {
    defined: async (refs: readonly TemplateRef[]) => {
      const found = await templates.getManyTemplates(refs);
      return refs.map((ref) => (found.get(templateKeyOf(ref))?.length ?? 0) > 0);
    },
  };
}
