import { caller } from '@notify/http';
import { NotFoundError } from '@notify/runtime';
import type { TemplateDoc, TemplateInput } from '@notify/stores';
import { Router } from 'express';
import { parseInput } from './parse-input.js';
import { identifierSchema } from './schemas/identifiers.js';
import { templateVersionBodySchema } from './schemas/template-schema.js';

export interface TemplateStore {
  put(input: TemplateInput): Promise<TemplateDoc>;
  findForNotification(tenantId: string, templateId: string): Promise<TemplateDoc[]>;
}

function variantBody(doc: TemplateDoc) {
  return {
    channel: doc.channel,
    locale: doc.locale,
    version: doc.version,
    subject: doc.subject ?? null,
    body: doc.body,
    html: doc.html ?? null,
    createdAt: doc.createdAt.toISOString(),
  };
}

const templateIdOf = (params: Record<string, string>) =>
  parseInput(identifierSchema, params.templateId, ['templateId']);

/** Versioned templates per channel and locale, within the caller's tenant. */
export function templateRoutes(deps: { templates: TemplateStore }): Router {
  const router = Router();

  router.post('/templates/:templateId/versions', async (req, res) => {
    const { tenantId } = caller(res);
    const templateId = templateIdOf(req.params);
    const body = parseInput(templateVersionBodySchema, req.body);
    const input: TemplateInput = {
      tenantId,
      templateId,
      channel: body.channel,
      locale: body.locale,
      body: body.body,
    };
    if (body.subject != null) input.subject = body.subject;
    if ('html' in body && body.html != null) input.html = body.html;
    const doc = await deps.templates.put(input);
    res
      .status(201)
      .location(`/v1/templates/${encodeURIComponent(templateId)}`)
      .json({ templateId, ...variantBody(doc) });
  });

  router.get('/templates/:templateId', async (req, res) => {
    const { tenantId } = caller(res);
    const templateId = templateIdOf(req.params);
    const variants = await deps.templates.findForNotification(tenantId, templateId);
    if (variants.length === 0) throw new NotFoundError('template', templateId);
    res.json({ templateId, variants: variants.map(variantBody) });
  });

  return router;
}
