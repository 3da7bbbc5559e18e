import type { z } from "zod";
import type { LoadedArtifact } from "./artifact-types.ts";
import { ArtifactIntegrityError, NotFoundError, SetupValidationError } from "./errors.ts";
import type { ModelCore } from "./model-core.ts";
import { type ModelSetup, parseSetupEnvelope, setupValidationError } from "./setup.ts";

/**
 * A flavour class: a concrete subclass of a model type with its registry key, a description
 * and its setup-params schema as static members. `TModel` is the model type, so a factory only
 * accepts flavours of its own type.
 */
export interface FlavourClass<TModel extends ModelCore = ModelCore> {
  new (setup: ModelSetup, params: never): TModel;
  /** Registry key, kebab-case (`gaussian-mixture`). */
  readonly flavour: string;
  /** One line for `mpipe setups` listings and error hints. */
  readonly description: string;
  /** Which runtime executes it: `typescript` (in-process) or `python` (worker process). */
  readonly runtime: string;
  /** Schema of the setup's `params`. */
  readonly paramsSchema: z.ZodType;
}

/** A flavour's description for listings. */
export interface FlavourInfo {
  modelType: string;
  flavour: string;
  description: string;
  runtime: string;
}

/**
 * Knows every flavour of one model type: validates setups against the flavour's schema, builds
 * models from setups, and restores models from artifacts by reading their manifest.
 */
export abstract class FactoryCore<TModel extends ModelCore = ModelCore> {
  abstract readonly modelType: string;
  /** Every flavour of this type, keyed by its registry key. */
  protected abstract readonly flavours: Readonly<Record<string, FlavourClass<TModel>>>;

  /** Flavours of this type, sorted by key. */
  listFlavours(): FlavourInfo[] {
    return Object.keys(this.flavours)
      .sort()
      .map((key) => {
        const cls = this.flavours[key];
        return {
          modelType: this.modelType,
          flavour: key,
          description: cls.description,
          runtime: cls.runtime,
        };
      });
  }

  /** The flavour class for a key, or a NotFoundError listing the valid keys. */
  flavourClass(flavour: string): FlavourClass<TModel> {
    const cls = Object.hasOwn(this.flavours, flavour) ? this.flavours[flavour] : undefined;
    if (!cls) {
      throw new NotFoundError(`unknown flavour "${flavour}" for model type "${this.modelType}"`, {
        location: { field: "flavour" },
        hint: `Must be one of [${Object.keys(this.flavours).sort().join(", ")}].`,
      });
    }
    return cls;
  }

  /**
   * Validates a setup document for this model type: the envelope, the flavour, and the flavour's
   * params. Returns the setup with defaults filled in. Nothing is built or written.
   */
  validateSetup(document: unknown, file?: string): ModelSetup {
    const setup = parseSetupEnvelope(document, file);
    if (setup.modelType !== this.modelType) {
      throw new SetupValidationError(
        `setup is for model type "${setup.modelType}", not "${this.modelType}"`,
        {
          location: { file, field: "modelType" },
        },
      );
    }
    const cls = this.flavourClass(setup.flavour);
    const params = cls.paramsSchema.safeParse(setup.params);
    if (!params.success) {
      throw setupValidationError(params.error, {
        what: `invalid params for ${this.modelType}/${setup.flavour} in setup "${setup.name}"`,
        file,
        fieldPrefix: "params",
        hint: `See the defaults with 'mpipe setups show' on a ${this.modelType} setup.`,
      });
    }
    return { ...setup, params: params.data as Record<string, unknown> };
  }

  /** Builds an unfitted model from a setup document. */
  create(document: unknown, file?: string): TModel {
    const setup = this.validateSetup(document, file);
    const cls = this.flavourClass(setup.flavour);
    return new cls(setup, setup.params as never);
  }

  /** Rebuilds a fitted model from a verified artifact, dispatching on its manifest. */
  restore(artifact: LoadedArtifact): TModel {
    const { manifest } = artifact;
    if (manifest.modelType !== this.modelType) {
      throw new ArtifactIntegrityError(
        `artifact holds a "${manifest.modelType}" model, not "${this.modelType}"`,
      );
    }
    if (!Object.hasOwn(this.flavours, manifest.flavour)) {
      throw new ArtifactIntegrityError(
        `artifact needs flavour "${manifest.flavour}", which this engine does not have`,
        {
          hint: `Flavours of ${this.modelType}: [${Object.keys(this.flavours).sort().join(", ")}]. Is a plug-in missing?`,
        },
      );
    }
    const model = this.create(manifest.setup);
    try {
      return model.deserialize(artifact.model);
    } catch (error) {
      throw new ArtifactIntegrityError(`artifact state does not fit ${this.modelType}/${manifest.flavour}`, {
        cause: error,
        hint: "The artifact may be damaged or written by an incompatible engine; re-train the model.",
      });
    }
  }
}
